"""``python manage.py grant_app_role ROLE``: what the application's database role may do.

Production runs migrations as the tables' owner and the web, worker and beat processes as
a role of their own (``DATABASE_URL``). This grants that role what the Hub needs on every
table and sequence, except the audit log, which it may only read and append to. Run it
as the owner after each ``migrate``; running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from hub.models import AuditEvent, AuditSeal

APPEND_ONLY_TABLES = [AuditEvent._meta.db_table, AuditSeal._meta.db_table]


class Command(BaseCommand):
    help = "Grant the application's database role its privileges (the audit log append-only)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the Hub's processes connect as")

    def handle(self, *args, role, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"There is no database role {role!r}.")
        grantee = sql.Identifier(role)
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(grantee),
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(grantee),
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(
                grantee
            ),
            sql.SQL("REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {}").format(grantee),
        ]
        for table in APPEND_ONLY_TABLES:
            statements.append(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), grantee
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.as_string(cursor.connection))
        self.stdout.write(
            f"{role} may read and write the Hub's tables; the audit log it may only read and "
            "append to."
        )
