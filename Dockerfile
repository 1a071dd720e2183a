# Production image: gunicorn serves the web app; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (the project itself is not a package), so code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN useradd --system --uid 1000 --home /app o2o \
 && mkdir -p /app/var/media /app/var/staticfiles && chown -R o2o /app/var

USER o2o
# collectstatic needs a key only to load settings; the real one comes from the environment.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --no-input -v 0

EXPOSE 8000
# The worker class gives each worker a socket of its own (o2o/web_worker.py: GUNICORN_OPTIONS).
CMD ["gunicorn", "o2o.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", \
     "--worker-class", "o2o.web_worker.ThreadWorker", "--reuse-port", "--access-logfile", "-"]
