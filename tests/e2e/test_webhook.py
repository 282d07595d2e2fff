"""Webhook security and concurrency through a running server, on both back ends."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlmodel import Session, func, select

from bot.db import get_engine
from models import Conversation, Message, Official
from tests.e2e.conftest import AUTH_TOKEN
from tests.flows.test_reporting import stored
from tests.support.servers import inbound_params, signed_post, twiml_messages

pytestmark = pytest.mark.e2e

DINKES_OPERATOR = "+6281200000001"
PUBLIC_URL = "https://emonev.example.go.id"


def message_count(db_url: str) -> int:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(func.count()).select_from(Message)).one()


def conversation_of(db_url: str, phone: str) -> Conversation:
    with Session(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        return session.exec(
            select(Conversation).where(Conversation.official_id == official.id)
        ).one()


@pytest.fixture
def server(start_server, sqlite_loaded_url):
    with start_server(sqlite_loaded_url, "2026-04-06 09:10") as running:
        running.db_url = sqlite_loaded_url
        yield running


def test_unsigned_request_is_rejected(server):
    params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "lapor")
    response = requests.post(server.url + "/twilio/whatsapp", data=params, timeout=10)
    assert response.status_code == 403
    assert message_count(server.db_url) == 0


def test_wrong_signature_is_rejected(server):
    params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "lapor")
    response = signed_post(server.url + "/twilio/whatsapp", params, "another-token")
    assert response.status_code == 403
    assert message_count(server.db_url) == 0


def test_signature_for_other_url_is_rejected(server):
    params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "lapor")
    response = signed_post(
        server.url + "/twilio/whatsapp", params, AUTH_TOKEN,
        signed_url=server.url + "/twilio/other",
    )
    assert response.status_code == 403
    assert message_count(server.db_url) == 0


def test_tampered_body_is_rejected(server):
    params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "lapor")
    signature_of = dict(params)
    params["Body"] = "status"
    from twilio.request_validator import RequestValidator

    url = server.url + "/twilio/whatsapp"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, signature_of)
    response = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    assert response.status_code == 403
    assert message_count(server.db_url) == 0


def test_emoji_body_passes(server):
    params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "halo pak 🙏😊")
    response = signed_post(server.url + "/twilio/whatsapp", params, AUTH_TOKEN)
    assert response.status_code == 200
    assert twiml_messages(response.text)
    assert message_count(server.db_url) == 2


def test_signature_behind_proxy_uses_public_url(start_server, sqlite_loaded_url):
    with start_server(sqlite_loaded_url, "2026-04-06 09:10", PUBLIC_URL=PUBLIC_URL) as app:
        params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "halo")
        proxied = signed_post(
            app.url + "/twilio/whatsapp", params, AUTH_TOKEN,
            signed_url=PUBLIC_URL + "/twilio/whatsapp",
        )
        direct = signed_post(
            app.url + "/twilio/whatsapp",
            inbound_params(f"whatsapp:{DINKES_OPERATOR}", "halo"),
            AUTH_TOKEN,
        )
    assert proxied.status_code == 200
    assert direct.status_code == 403


def _post_together(url: str, bodies: list[dict]) -> list[requests.Response]:
    barrier = threading.Barrier(len(bodies))
    responses: list[requests.Response | None] = [None] * len(bodies)

    def post(index: int) -> None:
        barrier.wait()
        responses[index] = signed_post(url, bodies[index], AUTH_TOKEN)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def test_duplicate_sid_has_one_effect(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-06 09:10") as app:
        url = app.url + "/twilio/whatsapp"
        assert "1/7" in "\n".join(
            twiml_messages(
                signed_post(
                    url, inbound_params(f"whatsapp:{DINKES_OPERATOR}", "lapor maret"),
                    AUTH_TOKEN,
                ).text
            )
        )
        params = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "18,25 M")
        responses = _post_together(url, [params, dict(params), dict(params)])
        after = signed_post(
            url, inbound_params(f"whatsapp:{DINKES_OPERATOR}", "15,5"), AUTH_TOKEN
        )

    assert all(r.status_code == 200 for r in responses)
    replies = [twiml_messages(r.text) for r in responses]
    non_empty = [r for r in replies if r]
    assert non_empty
    assert all(r == non_empty[0] for r in non_empty)
    assert "2/7" in "\n".join(non_empty[0])
    assert "3/7" in "\n".join(twiml_messages(after.text))
    with Session(get_engine(loaded_db_url)) as session:
        copies = session.exec(
            select(func.count())
            .select_from(Message)
            .where(Message.message_sid == params["MessageSid"])
        ).one()
    assert copies == 1
    assert stored(loaded_db_url, "DINKES", "2026-03")["RFK-FIS"].number == 15.5


def test_concurrent_answers_stay_consistent(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-06 09:10") as app:
        url = app.url + "/twilio/whatsapp"
        signed_post(
            url, inbound_params(f"whatsapp:{DINKES_OPERATOR}", "lapor maret"), AUTH_TOKEN
        )
        first = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "18,25 M")
        second = inbound_params(f"whatsapp:{DINKES_OPERATOR}", "15,5")
        responses = _post_together(url, [first, second])

    assert all(r.status_code == 200 for r in responses)
    values = stored(loaded_db_url, "DINKES", "2026-03")
    conversation = conversation_of(loaded_db_url, DINKES_OPERATOR)
    # The two answers were applied one after the other, whichever came first:
    # each was read against the question open when it was handled.
    assert values["RFK-KEU"].number == 18250000000
    if "RFK-FIS" in values:
        # 18,25 M came first; 15,5 then answered the physical progress.
        assert values["RFK-FIS"].number == 15.5
    else:
        # 15,5 came first and was rejected as a rupiah amount with a
        # fraction; 18,25 M then answered the spending question.
        assert conversation.data["current"] is not None
    assert conversation.state == "answer"
    assert conversation.version >= 3
