"""Phone channels: each turns its provider's requests into `Inbound` messages and a
`Reply` into the provider's answer, and sends outbound SMS through a backend."""
