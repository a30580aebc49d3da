# The Hub's image for docker-compose.yml: gunicorn, the Celery worker and beat share it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    nodejs npm poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY pyproject.toml requirements.lock README.md ./
RUN pip install -c requirements.lock -e .
COPY . .
# collectstatic needs settings to import; the key here is used only for this step.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput \
 && useradd --system --home /app hub && mkdir -p /app/var && chown hub /app/var
USER hub
EXPOSE 8000
CMD ["gunicorn", "hub.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
