from django.urls import path

from apps.jobs import views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/pause/", views.job_pause, name="job_pause"),
    path("jobs/<int:job_id>/resume/", views.job_resume, name="job_resume"),
    path("jobs/<int:job_id>/retry-failed/", views.job_retry_failed, name="job_retry_failed"),
]
