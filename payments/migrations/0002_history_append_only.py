from django.db import migrations

# The history of a payment is append-only in the database itself, not only in the code: in
# PostgreSQL (production) no UPDATE or DELETE of a line's event succeeds, whoever runs it, and no
# line is deleted. As in actions, the embedded SQLite default relies on the models refusing it.
POSTGRESQL = [
    """
    CREATE FUNCTION payments_history_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'The history of a payment cannot be changed or deleted.';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER payments_history_append_only
    BEFORE UPDATE OR DELETE ON payments_lineevent
    FOR EACH ROW EXECUTE FUNCTION payments_history_append_only();
    """,
    """
    CREATE TRIGGER payments_line_kept
    BEFORE DELETE ON payments_line
    FOR EACH ROW EXECUTE FUNCTION payments_history_append_only();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS payments_line_kept ON payments_line;",
    "DROP TRIGGER IF EXISTS payments_history_append_only ON payments_lineevent;",
    "DROP FUNCTION IF EXISTS payments_history_append_only();",
]


def run(statements: list[str]):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(run(POSTGRESQL), run(POSTGRESQL_REVERSE))]
