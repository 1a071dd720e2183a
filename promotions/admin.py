"""Admin registrations live beside each concept's models; this module imports them."""
