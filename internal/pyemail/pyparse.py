# An independent parser for the tests: Python's email package reads a
# message from stdin and prints what a mail client would show as JSON.
import base64, email, email.policy, json, sys

msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
out = {
    "defects": [type(d).__name__ for d in msg.defects],
    "headers": [[k, str(v)] for k, v in msg.items()],
    "parts": [],
}
for part in msg.walk():
    if part.is_multipart():
        out["parts"].append({"type": part.get_content_type(), "multipart": True,
                             "defects": [type(d).__name__ for d in part.defects]})
        continue
    payload = part.get_payload(decode=True) or b""
    item = {
        "type": part.get_content_type(),
        "filename": part.get_filename(),
        "disposition": part.get_content_disposition(),
        "data": base64.b64encode(payload).decode(),
        "defects": [type(d).__name__ for d in part.defects],
    }
    if part.get_content_maintype() == "text":
        item["text"] = part.get_content()
    out["parts"].append(item)
json.dump(out, sys.stdout)
