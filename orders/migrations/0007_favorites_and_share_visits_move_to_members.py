"""Favorites and share visits belong to members (DESIGN §3): the models leave the orders app's
state here, and the tables stay where they are; members 0003 takes them over and renames them.
No row is copied or lost."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_order_event_kind_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Favorite"),
                migrations.DeleteModel(name="ShareVisit"),
            ],
            database_operations=[],
        ),
    ]
