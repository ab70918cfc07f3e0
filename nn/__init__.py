"""chainrule's neural-network layer, built on ``autograd``'s public API."""
