from django.db import migrations

# The history of an action is append-only in the database itself, not only in the code:
# in PostgreSQL (production) no UPDATE or DELETE of a recorded change succeeds, whoever
# runs it. The embedded SQLite default relies on the model refusing it: a trigger there
# would also stop the test runner emptying tables between tests.
POSTGRESQL = [
    """
    CREATE FUNCTION actions_history_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'The history of an action cannot be changed or deleted.';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER actions_history_append_only
    BEFORE UPDATE OR DELETE ON actions_actionchange
    FOR EACH ROW EXECUTE FUNCTION actions_history_append_only();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS actions_history_append_only ON actions_actionchange;",
    "DROP FUNCTION IF EXISTS actions_history_append_only();",
]


def run(statements: dict):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL}),
            run({"postgresql": POSTGRESQL_REVERSE}),
        )
    ]
