"""The queue read-model: positions, waiting counts and estimates (`figures`), and what devices are
shown of services, counters and tickets, including the `queue.updated` / `counter.updated` events
(`views`).

Both the set-up area (`centres`) and the ticket actions (`tickets`) use it; it imports their models
only, never their services, so neither area imports the other's logic through it.
"""
