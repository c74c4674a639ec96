from django.db import migrations

# What was published and unpublished, and when, is append-only in the database itself: in PostgreSQL
# (production) no UPDATE or DELETE of a publication's step succeeds, whoever runs it, and no published
# item or request to name someone is deleted (unpublishing hides). SQLite relies on the models refusing it.
KEPT_AS_WRITTEN = ("impact_publicationevent",)
NEVER_DELETED = ("impact_publication", "impact_credit")

POSTGRESQL = [
    """
    CREATE FUNCTION impact_history_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'The history of a published item cannot be changed or deleted.';
    END;
    $$ LANGUAGE plpgsql;
    """,
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION impact_history_append_only();"
        for table in KEPT_AS_WRITTEN
    ),
    *(
        f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION impact_history_append_only();"
        for table in NEVER_DELETED
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in KEPT_AS_WRITTEN),
    *(f"DROP TRIGGER IF EXISTS {table}_kept ON {table};" for table in NEVER_DELETED),
    "DROP FUNCTION IF EXISTS impact_history_append_only();",
]


def run(statements: list[str]):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("impact", "0001_initial")]

    operations = [migrations.RunPython(run(POSTGRESQL), run(POSTGRESQL_REVERSE))]
