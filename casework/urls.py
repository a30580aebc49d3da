from django.urls import path

from casework.views import (
    access,
    actions,
    cases,
    details,
    disclosure,
    retention,
    search,
    subject_access,
    work,
)

urlpatterns = [
    path("", work.my_work, name="my-work"),
    path("search/", search.search, name="search"),
    path("retention/", retention.retention_reviews, name="retention-reviews"),
    path("retention/<str:reference>/erase/", retention.retention_erase, name="retention-erase"),
    path("retention/<str:reference>/hold/", retention.retention_hold, name="retention-hold"),
    path("retention/<str:reference>/lift/", retention.retention_lift, name="retention-lift"),
    path("cases/<str:reference>/", cases.case_detail, name="case-detail"),
    path("cases/<str:reference>/calls/", cases.case_record_call, name="case-record-call"),
    path("cases/<str:reference>/access/", access.case_request_access, name="case-request-access"),
    path("cases/<str:reference>/notes/", actions.case_add_note, name="case-add-note"),
    path("cases/<str:reference>/disclose/", disclosure.case_disclose, name="case-disclose"),
    path("cases/<str:reference>/details/", details.case_victim_details, name="case-details"),
    path(
        "cases/<str:reference>/subject-access/",
        subject_access.case_prepare_subject_access,
        name="case-prepare-subject-access",
    ),
    path(
        "subject-access/<int:pk>/",
        subject_access.subject_access_detail,
        name="subject-access-detail",
    ),
    path(
        "subject-access/<int:pk>/release/",
        subject_access.subject_access_release,
        name="subject-access-release",
    ),
    path(
        "subject-access/<int:pk>/export.pdf",
        subject_access.subject_access_pdf,
        name="subject-access-pdf",
    ),
    path(
        "subject-access/<int:pk>/export.json",
        subject_access.subject_access_json,
        name="subject-access-json",
    ),
    path("cases/<str:reference>/allocate/", actions.case_allocate, name="case-allocate"),
    path("cases/<str:reference>/contact/", actions.case_contact_made, name="case-contact-made"),
    path(
        "cases/<str:reference>/assessment/",
        actions.case_start_assessment,
        name="case-start-assessment",
    ),
    path("cases/<str:reference>/support/", actions.case_start_support, name="case-start-support"),
    path("cases/<str:reference>/closing/", actions.case_begin_closure, name="case-begin-closure"),
    path("cases/<str:reference>/close/", actions.case_close, name="case-close"),
    path("cases/<str:reference>/reopen/", actions.case_reopen, name="case-reopen"),
    path(
        "cases/<str:reference>/letters/<int:pk>/pdf/",
        cases.case_letter_pdf,
        name="case-letter-pdf",
    ),
    path("access-requests/", access.access_requests, name="access-requests"),
    path("access-requests/<int:pk>/grant/", access.access_grant, name="access-grant"),
    path("access-requests/<int:pk>/refuse/", access.access_refuse, name="access-refuse"),
]
