from django.urls import path

from casework import views

urlpatterns = [
    path("", views.my_work, name="my-work"),
]
