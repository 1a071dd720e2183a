"""Celery beat's schedule: every periodic job of the platform, by app (read by o2o/settings.py).

Deadlines are enforced by these sweeps with guarded updates, never by long task ETAs.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    "platform-relay-durable-tasks": {
        "task": "o2o.tasks.relay_durable_tasks",
        "schedule": 30.0,
    },
    "platform-purge-expiring-values": {
        "task": "o2o.tasks.purge_expiring_values",
        "schedule": crontab(minute="*/30"),
    },
    "platform-heartbeat": {
        "task": "o2o.tasks.record_heartbeat",
        "schedule": 60.0,
    },
    "inventory-expire-reservations": {
        "task": "inventory.tasks.expire_reservations",
        "schedule": 60.0,
    },
    "inventory-replenish": {
        "task": "inventory.tasks.replenish",
        "schedule": crontab(hour=2, minute=30),
    },
    "orders-expire": {
        "task": "orders.tasks.expire_orders",
        "schedule": 30.0,
    },
    "promotions-release-stale-flash-claims": {
        "task": "promotions.tasks.release_stale_flash_claims",
        "schedule": 60.0,
    },
    "dispatch-expire-offers": {
        "task": "dispatch.tasks.expire_offers",
        "schedule": 30.0,
    },
    "dispatch-alert-offers": {
        "task": "dispatch.tasks.alert_offers",
        "schedule": 30.0,
    },
    "orders-reconcile-payments": {
        "task": "orders.tasks.reconcile_payments",
        "schedule": 120.0,
    },
    "orders-retry-refunds": {
        "task": "orders.tasks.retry_requested_refunds",
        "schedule": crontab(minute="*/5"),
    },
    "orders-recompute-member-tiers": {
        "task": "orders.tasks.recompute_tiers",
        "schedule": crontab(hour=3, minute=0),
    },
    "members-expire-gift-pickups": {
        "task": "members.jobs.expire_gift_pickups",
        "schedule": crontab(minute=15),
    },
    "orders-purge-payment-notifications": {
        "task": "orders.tasks.purge_payment_notifications",
        "schedule": crontab(hour=4, minute=20),
    },
    "platform-relay-webhooks": {
        "task": "o2o.tasks.relay_webhooks",
        "schedule": 10.0,
    },
    "platform-purge-outbox": {
        "task": "o2o.tasks.purge_outbox",
        "schedule": crontab(hour=4, minute=30),
    },
    "platform-purge-idempotency-records": {
        "task": "o2o.tasks.purge_idempotency_records",
        "schedule": crontab(hour=4, minute=10),
    },
    "platform-purge-throttle-records": {
        "task": "o2o.tasks.purge_throttle_records",
        "schedule": crontab(hour=4, minute=20),
    },
    "catalog-refresh-thumbnails": {
        "task": "catalog.tasks.make_missing_thumbnails",
        "schedule": crontab(minute="*/10"),
    },
    "commissions-mature": {
        "task": "commissions.tasks.mature_commissions",
        "schedule": crontab(hour=2, minute=45),
    },
    "commissions-check": {
        "task": "commissions.tasks.check_commissions",
        "schedule": crontab(hour=5, minute=0),
    },
    "commissions-sweep-withdrawals": {
        "task": "commissions.tasks.sweep_withdrawals",
        "schedule": crontab(minute="*/10"),
    },
    "promotions-refresh-segments": {
        "task": "promotions.tasks.refresh_segments",
        "schedule": crontab(hour=3, minute=30),
    },
    "reports-daily-facts": {
        "task": "reports.tasks.rebuild_daily_facts",
        "schedule": crontab(hour=1, minute=30),
    },
    # WeChat Pay publishes the previous day's bill from 10:00 (Beijing time).
    "reports-reconcile-payments": {
        "task": "reports.tasks.reconcile_payments",
        "schedule": crontab(hour=10, minute=30),
    },
    "reports-prepare-statements": {
        "task": "reports.tasks.prepare_statements",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
}
