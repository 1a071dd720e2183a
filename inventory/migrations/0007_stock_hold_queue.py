# Checkout's stock hold queues for each level on a transaction-level advisory lock keyed by
# (store, sku) before its guarded UPDATE. Correctness still rests on the UPDATE's guard and the
# row lock (other writers of the level take no advisory lock); the advisory lock only turns the
# queue of holds on one hot SKU into a plain first-come queue: a waiter wakes once, when the
# holder ends, and its UPDATE then finds the row free, where a queue on the row lock itself
# wakes each waiter twice (tuple lock, then the holder's transaction) and re-reads the row's
# newer version. Two-integer keys live apart from the one-bigint keys used elsewhere
# (replenishment, report facts); ids beyond 2^31 only share a queue, never lose a guard.
from importlib import import_module

from django.db import migrations

PREVIOUS_SQL = import_module("inventory.migrations.0006_reservation_hold_path").HOLD_SQL
HOLD_SQL = """
CREATE OR REPLACE FUNCTION inventory_stock_hold(
    p_store bigint, p_skus bigint[], p_quantities integer[], p_expires timestamptz,
    p_owner varchar, p_now timestamptz, OUT ids bigint[], OUT short bigint[]
) LANGUAGE plpgsql AS $$
DECLARE
    i integer;
    held bigint;
BEGIN
    -- One plain INSERT per line: cheaper than one set-based INSERT with an aggregate, for the
    -- one-line basket of a flash sale above all.
    FOR i IN 1 .. array_length(p_skus, 1) LOOP
        INSERT INTO inventory_reservation
            (store_id, sku_id, quantity, expires_at, owner, state, created_at)
        VALUES (p_store, p_skus[i], p_quantities[i], p_expires, p_owner, 'active', p_now)
        RETURNING id INTO held;
        ids[i] := held;
    END LOOP;
    FOR i IN 1 .. array_length(p_skus, 1) LOOP
        -- Wait for the level in its own first-come queue (see the note at the top).
        PERFORM pg_advisory_xact_lock(
            (p_store % 2147483648)::integer, (p_skus[i] % 2147483648)::integer
        );
        UPDATE inventory_stocklevel SET reserved = reserved + p_quantities[i]
        WHERE store_id = p_store AND sku_id = p_skus[i] AND on_hand - reserved >= p_quantities[i];
        IF NOT FOUND THEN
            short := short || p_skus[i];
        END IF;
    END LOOP;
    IF short IS NOT NULL THEN
        FOR i IN 1 .. array_length(p_skus, 1) LOOP
            IF NOT p_skus[i] = ANY(short) THEN
                UPDATE inventory_stocklevel SET reserved = reserved - p_quantities[i]
                WHERE store_id = p_store AND sku_id = p_skus[i];
            END IF;
        END LOOP;
        DELETE FROM inventory_reservation WHERE id = ANY(ids);
        ids := NULL;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_reservation_hold_path")]

    # Back to 0006's function (same signature), which CREATE OR REPLACE restores.
    operations = [migrations.RunSQL(HOLD_SQL, PREVIOUS_SQL)]
