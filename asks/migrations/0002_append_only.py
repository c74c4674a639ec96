from django.db import migrations

# The story of an ask is append-only in the database itself, not only in the code: in PostgreSQL
# (production) no UPDATE or DELETE of a step on its timeline, of an answer or of a fact check succeeds,
# whoever runs it, and no ask or sending is deleted. As in payments, the embedded SQLite default relies on
# the models refusing it.
KEPT_AS_WRITTEN = ("asks_askevent", "asks_answer", "asks_factcheck")
NEVER_DELETED = ("asks_ask", "asks_sending", "asks_responderlink", "asks_askevidence")

POSTGRESQL = [
    """
    CREATE FUNCTION asks_history_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'The history of an ask cannot be changed or deleted.';
    END;
    $$ LANGUAGE plpgsql;
    """,
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION asks_history_append_only();"
        for table in KEPT_AS_WRITTEN
    ),
    *(
        f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION asks_history_append_only();"
        for table in NEVER_DELETED
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in KEPT_AS_WRITTEN),
    *(f"DROP TRIGGER IF EXISTS {table}_kept ON {table};" for table in NEVER_DELETED),
    "DROP FUNCTION IF EXISTS asks_history_append_only();",
]


def run(statements: list[str]):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("asks", "0001_initial")]

    operations = [migrations.RunPython(run(POSTGRESQL), run(POSTGRESQL_REVERSE))]
