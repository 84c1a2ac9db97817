"""The device fleet: heartbeats with app version and hardware state, who is online, and the
events that raise and clear the dashboard's device alerts."""
