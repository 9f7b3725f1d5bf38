"""The photo studio's kinds of job (registered in :mod:`apps.photos.jobs`)."""

INGEST_JOB_KIND = "photos.ingest"  # uploads checked and normalised, one item per photo
PROCESS_JOB_KIND = "photos.process"  # a recipe applied to many photos, one item per photo
