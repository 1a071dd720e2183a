"""Serializer fields every app's API shares."""

from rest_framework import serializers

from o2o.parsing import is_whole_number


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "5", 5.0 and true are refused rather than coerced, so a unit count
    never comes from a guess about what the client meant."""

    default_error_messages = {"invalid": "A whole number (JSON integer) is required."}

    def to_internal_value(self, data):
        if not is_whole_number(data):
            self.fail("invalid")
        return super().to_internal_value(data)
