"""Placing and changing orders: the order ticket, the modify dialog, what the ticket remembers."""
