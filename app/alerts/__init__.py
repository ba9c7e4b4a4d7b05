"""Alerts away from the desk: hub events sent through Apprise to the trader's phone, chat or mail.

A client of the EventHub like the remote server. It reads events and never holds anything that can
send an order; sending happens on one thread per channel, never on the GUI thread or the terminal's.
"""
