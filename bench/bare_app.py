"""The baseline for webhook benchmarks: parse the form, answer empty TwiML."""

from flask import Flask, Response, request

app = Flask(__name__)


@app.post("/twilio/whatsapp")
def whatsapp() -> Response:
    request.form.to_dict()
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><Response />',
        mimetype="application/xml",
    )
