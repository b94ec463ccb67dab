# The portal's image for compose.yaml: web (gunicorn) and workers (qcluster) run it.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && rm -rf build ./*.egg-info
COPY . .
# Hashed, compressed static files for whitenoise. The settings need a key and hosts when DEBUG
# is off; these placeholders serve collectstatic only and never run the portal.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=collectstatic STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "icportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "300"]
