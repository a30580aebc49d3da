from django.urls import path

from referrals import views

urlpatterns = [
    path("new/", views.new_referral, name="referral-new"),
]
