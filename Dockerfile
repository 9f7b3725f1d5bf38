FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY apps ./apps
RUN pip install ".[s3]"
COPY . .
# Bake an operator's ONNX segmentation model into the image: put the file under models/ and
# build with --build-arg SEGMENTATION_MODEL=models/u2netp.onnx (docs/operations/production.md, "An ONNX segmentation model").
ARG SEGMENTATION_MODEL=""
ENV PHOTOS_SEGMENTATION_MODEL=${SEGMENTATION_MODEL:+/app/${SEGMENTATION_MODEL}}
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput
RUN useradd --create-home atelier && mkdir -p /app/var && chown -R atelier /app/var
USER atelier
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
