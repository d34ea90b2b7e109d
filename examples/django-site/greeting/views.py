import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST


def home(request):
    name = None
    if request.user.is_authenticated:
        # The claims of the last sign-in: allauth keeps the userinfo answer (and the ID
        # token's claims) on the social account.
        account = SocialAccount.objects.filter(user=request.user, provider="denglu").first()
        data = account.extra_data if account else {}
        claims = data.get("userinfo") or data.get("id_token") or {}
        name = claims.get("name") or claims.get("preferred_username") or request.user.username
    return render(request, "greeting/home.html", {"name": name})


@require_POST
def sign_out(request):
    """Signs out here, then at Denglu (RP-initiated logout), which sends the browser back."""
    logout(request)
    discovery = f"{settings.DENGLU_ISSUER}/.well-known/openid-configuration"
    try:
        end_session = requests.get(discovery, timeout=5).json().get("end_session_endpoint")
    except (requests.RequestException, ValueError):
        end_session = None
    if not end_session:
        return redirect("home")
    query = urlencode(
        {
            "client_id": settings.DENGLU_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri("/"),
        }
    )
    return redirect(f"{end_session}?{query}")
