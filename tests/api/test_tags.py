"""/api/v1: heartbeat tags, description and manual_resume; listing across services with ?tag= and ?slug=."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.factories import make_service, make_token


def test_tags_description_and_manual_resume_round_trip(client: TestClient, engine: Engine) -> None:
    service = make_service(engine).id
    created = client.post("/api/v1/heartbeat", json={
        "service_id": service, "name": "x", "interval": 60, "tags": " prod db prod ", "description": "the nightly job",
        "manual_resume": False})
    assert created.status_code == 201
    body = created.json()
    assert (body["tags"], body["description"], body["manual_resume"], body["n_pings"]) == \
        ("prod db", "the nightly job", False, 0)
    changed = client.put(f"/api/v1/heartbeat/{body['id']}", json={"tags": "", "manual_resume": True}).json()
    assert (changed["tags"], changed["description"], changed["manual_resume"]) == ("", "the nightly job", True)


def test_bad_tags_and_descriptions_are_422s_naming_the_field(client: TestClient, engine: Engine) -> None:
    service = make_service(engine).id
    for fields, name in [({"tags": "a\x00b"}, "tags"), ({"tags": ["a"]}, "tags"), ({"tags": "x" * 501}, "tags"),
                         ({"description": "d" * 10_001}, "description"), ({"manual_resume": "no"}, "manual_resume")]:
        response = client.post("/api/v1/heartbeat", json={"service_id": service, "name": "x", "interval": 60, **fields})
        assert response.status_code == 422, fields
        assert list(response.json()["error"]["fields"]) == [name]
    assert client.get(f"/api/v1/service/{service}/heartbeats").json()["total"] == 0


def test_lists_filter_by_tags_and_slug_within_what_the_key_sees(client: TestClient, engine: Engine,
                                                                api_app: Starlette) -> None:
    first, second = make_service(engine, "a").id, make_service(engine, "b").id
    for service, name, tags, slug in [(first, "web", "prod www", "web"), (first, "db", "prod db", None),
                                      (second, "db2", "db prod", "web")]:
        assert client.post("/api/v1/heartbeat", json={"service_id": service, "name": name, "interval": 60,
                                                      "tags": tags, "slug": slug}).status_code == 201

    def names(client: TestClient, path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    assert names(client, "/api/v1/heartbeat?tag=prod&tag=db") == ["db", "db2"]
    assert names(client, "/api/v1/heartbeat?slug=web") == ["db2", "web"]
    assert names(client, f"/api/v1/heartbeat?service_id={second}") == ["db2"]
    assert names(client, "/api/v1/heartbeat?tag=") == []
    assert names(client, f"/api/v1/service/{first}/heartbeats?tag=prod") == ["db", "web"]
    limited = make_token(engine, "viewer", name="limited", service_id=first)
    with TestClient(api_app, headers={"Authorization": f"Bearer {limited}"}) as viewer:
        assert names(viewer, "/api/v1/heartbeat?tag=prod") == ["db", "web"]
        refused = viewer.get(f"/api/v1/heartbeat?service_id={second}")
        assert refused.status_code == 422 and "service_id" in refused.json()["error"]["fields"]
    assert client.get("/api/v1/heartbeat?" + "&".join(["tag=a"] * 21)).status_code == 422
