from django.urls import path

from casework import views

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("cases/<str:reference>/", views.case_detail, name="case-detail"),
    path("cases/<str:reference>/calls/", views.case_record_call, name="case-record-call"),
    path("cases/<str:reference>/access/", views.case_request_access, name="case-request-access"),
    path("access-requests/", views.access_requests, name="access-requests"),
    path("access-requests/<int:pk>/grant/", views.access_grant, name="access-grant"),
    path("access-requests/<int:pk>/refuse/", views.access_refuse, name="access-refuse"),
]
