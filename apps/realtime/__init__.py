"""Realtime platform: websocket origin check, limits and base consumer; the channel layers."""
