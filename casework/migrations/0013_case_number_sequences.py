"""Case numbers from a sequence per year rather than a counter row.

The counter row was locked from the intake's increment until its commit, so every
intake's commit (its WAL flush included) waited on the one before. ``nextval`` takes no
lock that lasts: concurrent intakes commit together. A rolled-back intake leaves a gap in
the year's numbers, as it already did.

The application's database role may not create a sequence, so ``casework_case_numbers``
runs as the tables' owner (``SECURITY DEFINER``, its search path fixed, every name
qualified with the schema ``public``, as ``grant_app_role`` has it) and creates the
year's sequence the first time the year is asked for. ``casework_restart_case_numbers``
drops them all, for the demo's ``seed_demo --replace``; it refuses while any case exists.
"""

from django.db import migrations

CASE_NUMBERS = r"""
CREATE FUNCTION casework_case_numbers(p_year integer, p_count integer) RETURNS bigint[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    seq_name text := 'public.casework_case_number_' || p_year;
BEGIN
    IF p_year NOT BETWEEN 2000 AND 9999 OR p_count < 0 THEN
        RAISE EXCEPTION 'no case numbers for year %, count %', p_year, p_count
            USING ERRCODE = '22023';
    END IF;
    IF to_regclass(seq_name) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE SEQUENCE public.%I', 'casework_case_number_' || p_year);
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;  -- a concurrent intake made it and committed first
        END;
    END IF;
    RETURN ARRAY(SELECT nextval(seq_name::regclass) FROM generate_series(1, p_count));
END
$$;

CREATE FUNCTION casework_restart_case_numbers() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    seq regclass;
BEGIN
    IF EXISTS (SELECT 1 FROM public.casework_case) THEN
        RAISE EXCEPTION 'case numbers restart only when there are no cases'
            USING ERRCODE = '55000';
    END IF;
    FOR seq IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND n.nspname = 'public'
          AND c.relname ~ '^casework_case_number_[0-9]{4}$'
    LOOP
        EXECUTE format('DROP SEQUENCE %s', seq);
    END LOOP;
END
$$;

DO $$
DECLARE
    counter record;
BEGIN
    FOR counter IN SELECT year, last FROM casework_casereferencecounter WHERE last > 0 LOOP
        EXECUTE format('CREATE SEQUENCE public.%I', 'casework_case_number_' || counter.year);
        PERFORM setval(('public.casework_case_number_' || counter.year)::regclass, counter.last);
    END LOOP;
END
$$;
"""

COUNTERS_BACK = r"""
DO $$
DECLARE
    seq record;
    last bigint;
BEGIN
    FOR seq IN
        SELECT c.oid::regclass AS oid, substring(c.relname FROM '[0-9]{4}$')::integer AS year
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND n.nspname = 'public'
          AND c.relname ~ '^casework_case_number_[0-9]{4}$'
    LOOP
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s', seq.oid)
            INTO last;
        INSERT INTO casework_casereferencecounter (year, last) VALUES (seq.year, last);
        EXECUTE format('DROP SEQUENCE %s', seq.oid);
    END LOOP;
END
$$;
DROP FUNCTION casework_restart_case_numbers();
DROP FUNCTION casework_case_numbers(integer, integer);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0012_dashboard_indexes"),
    ]

    operations = [
        migrations.RunSQL(CASE_NUMBERS, COUNTERS_BACK),
        migrations.DeleteModel(name="CaseReferenceCounter"),
    ]
