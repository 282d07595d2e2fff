"""Web pages served by the Flask app beside the Twilio webhook.

`bot.web.dashboard` serves the supervisors' and admins' dashboard with its
WhatsApp one-time-code sign-in. Each page module defines its own blueprint,
which `app.create_app` registers.
"""
