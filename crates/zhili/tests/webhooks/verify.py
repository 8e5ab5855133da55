"""Verifies webhook deliveries with PyPI's `standardwebhooks` (the Standard Webhooks
authors' own library): reads [{"secret", "headers", "body"}] as JSON on stdin and prints, for
each, the verified payload's type or the error."""

import json
import sys

from standardwebhooks.webhooks import Webhook

out = []
for m in json.load(sys.stdin):
    try:
        payload = Webhook(m["secret"]).verify(m["body"], m["headers"])
        out.append(payload["type"])
    except Exception as e:  # a failed verification is reported, not raised
        out.append("failed: %s" % e)
print(json.dumps(out))
