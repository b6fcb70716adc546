"""Websocket close codes Keel's sockets end with (RFC 6455, section 7.4.1).

Browsers can read each of them in the close event, unlike a refused handshake (1006).
"""

# A binary frame on a protocol of JSON text.
UNSUPPORTED_DATA = 1003
# A text frame that is not JSON, is not a JSON object, or nests deeper than allowed.
INVALID_PAYLOAD = 1007
# More messages than the per-socket rate allows (REALTIME["MESSAGES_PER_SECOND"]).
POLICY_VIOLATION = 1008
# A message larger than REALTIME["MAX_MESSAGE_BYTES"].
MESSAGE_TOO_BIG = 1009
