from django.urls import path

from assessments import views

urlpatterns = [
    path("cases/<str:reference>/dvna/", views.case_dvna, name="case-dvna"),
    path("cases/<str:reference>/dvna/start/", views.case_dvna_start, name="case-dvna-start"),
    path(
        "cases/<str:reference>/dvna/complete/",
        views.case_dvna_complete,
        name="case-dvna-complete",
    ),
    path("cases/<str:reference>/dvna/<slug:step>/", views.case_dvna_step, name="case-dvna-step"),
    path(
        "cases/<str:reference>/outcomes/closing/",
        views.case_closing_outcomes,
        name="case-closing-outcomes",
    ),
]
