"""Server Actions over HTTP against a running `serve` (SQLite store; with --postgres URL, that
PostgreSQL): JSON, urlencoded and multipart (the seed's FormData) bodies, validation errors,
the relay in real time, the Event Consumer's projection seen through the gateway and through
Debian's boto3, and /_emu/outbox. Usage: outbox_serve_test.py path/to/bellyfed-emu [--postgres URL]"""
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import client, start_serve, stop_serve  # noqa: E402

KEY = {"X-Api-Key": "bellyfed-dev-local-key-0001"}


def post(base, name, body, content_type):
    req = urllib.request.Request(base + "/_emu/dev/actions/" + name, data=body, method="POST",
                                 headers={"Content-Type": content_type})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def get(base, path, headers=None):
    req = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def multipart(fields):
    boundary = "----emuFormBoundary7MA4YWxk"
    body = "".join('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v) for k, v in fields.items())
    return (body + "--%s--\r\n" % boundary).encode(), "multipart/form-data; boundary=" + boundary


def main():
    emu = sys.argv[1]
    extra = sys.argv[2:]
    proc, base = start_serve(emu, *extra)
    try:
        made = post(base, "createRestaurant", json.dumps({"id": "r-1", "name": "Pho Place", "address": "1 Main St",
                                                          "city": "Seattle", "cuisineType": "Vietnamese"}).encode(), "application/json")
        assert made["data"]["id"] == "r-1" and made["data"]["cuisine_type"] == "Vietnamese", made
        made = post(base, "createRestaurant", b"id=r-2&name=Taco+Bar&address=2+Main+St&city=Seattle", "application/x-www-form-urlencoded")
        assert made["data"]["name"] == "Taco Bar", made
        body, ctype = multipart({"restaurantId": "r-1", "rating": "5", "text": "Best broth"})
        review = post(base, "createReview", body, ctype)
        assert review["data"]["rating"] == 5, review
        body, ctype = multipart({"address": "nowhere"})
        assert post(base, "createRestaurant", body, ctype) == {"error": "name: is required"}
        assert post(base, "updateRestaurant", b'{"id": "r-9", "name": "x"}', "application/json") == {"error": "id: no restaurant r-9"}
        # PostgreSQL text cannot hold NUL: refused in every store, never cut short.
        assert post(base, "createRestaurant", b'{"name": "A\\u0000B", "address": "x"}', "application/json") == {
            "error": "name: must not contain the NUL character"}
        assert post(base, "createRestaurant", b"name=A%00B&address=x", "application/x-www-form-urlencoded") == {
            "error": "name: must not contain the NUL character"}
        updated = post(base, "updateRestaurant", b'{"id": "r-2", "rating": 4.5}', "application/json")
        assert updated["data"]["rating"] == 4.5, updated

        # The relays poll every second in real time; the consumer projects into DynamoDB.
        for _ in range(600):
            status, page = get(base, "/dev/restaurants?city=Seattle", KEY)
            if status == 200 and page["count"] == 2 and page["items"][1].get("rating") == 4.5:
                break
            time.sleep(0.1)
        assert [x["id"] for x in page["items"]] == ["r-1", "r-2"] and page["items"][1]["rating"] == 4.5, page
        status, reviews = get(base, "/dev/restaurants/r-1/reviews", KEY)
        assert reviews["items"][0]["text"] == "Best broth", reviews
        item = client("dynamodb", base).get_item(TableName="FoodEstablishment-dev",
                                                 Key={"PK": {"S": "EST#r-1"}, "SK": {"S": "META#r-1"}})["Item"]
        assert item["GSI2PK"]["S"] == "CUISINE#Vietnamese", item
        status, outbox = get(base, "/_emu/outbox?stage=dev")
        assert outbox["metrics"]["processed"] == 4 and outbox["metrics"]["pending"] == 0, outbox["metrics"]
        assert outbox["metrics"]["oldest_pending_age_ms"] is None, outbox["metrics"]
        assert outbox["metrics"]["engine"] == ("postgresql" if extra else "sqlite"), outbox["metrics"]
        assert [e["event_type"] for e in outbox["events"]] == ["RESTAURANT_CREATED", "RESTAURANT_CREATED", "REVIEW_CREATED",
                                                              "RESTAURANT_UPDATED"], outbox["events"]
        status, metrics = get(base, "/_emu/metrics")
        assert metrics["outbox"]["dev"]["processed"] == 4, metrics["outbox"]
    finally:
        stop_serve(proc, check=True)
    print("outbox_serve_test: ok (%s)" % ("postgresql" if extra else "sqlite"))


if __name__ == "__main__":
    main()
