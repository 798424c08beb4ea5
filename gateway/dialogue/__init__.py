"""Dialogues, the same for every channel: the channel-neutral message types
(`messages`), one turn of a dialogue made safe (`turn`), what a phone's conversation
works with during that turn (`conversation`) and what a message means (`router`).

Channels (`gateway.sms`, the webhooks) call down into this package; it calls down into
`gateway.actions` for what the flows do, and never back up into a channel.
"""
