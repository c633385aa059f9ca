"""S3 CreateBucket tags: the provider sends a new bucket's tags inside CreateBucket
(CreateBucketConfiguration.Tags); moto 5.2.5 creates the bucket and drops them, so it reads back
untagged and the next plan wants to tag it. The shim stores them as PutBucketTagging would.

S3 GetBucketNotificationConfiguration: moto stores EventBridgeConfiguration (PutBucketNotification)
but never answers it, so a bucket sending events to EventBridge reads back as not sending them
and every plan wants to turn it on again. The shim answers <EventBridgeConfiguration/> as AWS does.
"""

import re

import xmltodict
from moto.s3.responses import S3Response

_moto_bucket_response_put = S3Response._bucket_response_put


def _create_bucket_tags(body: bytes) -> dict:
    """The Tags of a CreateBucketConfiguration body, {} when there are none."""
    try:
        config = xmltodict.parse(body, force_list=("Tag",)).get("CreateBucketConfiguration") or {}
    except Exception:  # not XML: moto's own handler has already answered it
        return {}
    tags = (config.get("Tags") or {}).get("Tag") or []
    return {tag["Key"]: tag.get("Value") or "" for tag in tags}


def _bucket_response_put(self, request, bucket_name, querystring):  # type: ignore[no-untyped-def]
    response = _moto_bucket_response_put(self, request, bucket_name, querystring)
    if not querystring and self.body:
        tags = _create_bucket_tags(self.body)
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
    return response


S3Response._bucket_response_put = _bucket_response_put  # type: ignore[method-assign]



_moto_get_bucket_notification = S3Response.get_bucket_notification


def _get_bucket_notification(self):  # type: ignore[no-untyped-def]
    response = _moto_get_bucket_notification(self)
    config = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if config is None or config.event_bridge is None or not isinstance(response, tuple):
        return response
    status, headers, body = response
    text = body.decode() if isinstance(body, bytes) else str(body)
    if "EventBridgeConfiguration" in text:
        return response
    # Into the root element, whichever name moto gives it, self-closing or not.
    root = re.search(r"<([A-Za-z]+)[^>?]*?(/?)>", text)
    if root is None:
        return response
    if root.group(2):
        text = text[: root.start()] + root.group(0)[:-2] + "><EventBridgeConfiguration/></" + root.group(1) + ">" + text[root.end() :]
    else:
        closing = text.rindex("</" + root.group(1) + ">")
        text = text[:closing] + "<EventBridgeConfiguration/>" + text[closing:]
    headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    return status, headers, text


S3Response.get_bucket_notification = _get_bucket_notification  # type: ignore[method-assign]
