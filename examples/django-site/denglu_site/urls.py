from django.urls import include, path

from greeting import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signout/", views.sign_out, name="sign_out"),
    # allauth: the Denglu sign-in is /accounts/oidc/denglu/login/ and its callback
    # /accounts/oidc/denglu/login/callback/.
    path("accounts/", include("allauth.urls")),
]
