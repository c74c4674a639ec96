FROM python:3.11-slim

# PYTHONPATH: import the project from /app (not the copy pip puts in
# site-packages), so BASE_DIR resolves to /app and templates/, static/ and var/
# are found from every entry point (manage.py, gunicorn, celery).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# WeasyPrint (letters and statements as PDF) draws text with Pango, in the DejaVu fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Install the dependencies in their own layer, so code changes don't reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code stays root-owned (read-only for the app user); only var/ is writable.
COPY . /app

# Install the project itself, then drop the in-tree build leftovers.
RUN pip install . \
    && rm -rf build ./*.egg-info \
    && mkdir -p var/evidence \
    && chown -R app:app var

USER app

RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# 8000: the website (gunicorn). 2525: replies by email (`manage.py inbound_smtp`, the inbound service).
EXPOSE 8000 2525

CMD ["gunicorn", "collaborative.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
