"""The email RPCs of NotificationService: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from crm_runtime.principal import current_principal

from notification.email.proto import address_to_proto, mail_to_proto, settings_to_proto
from notification.email.use_cases import Email


class EmailRpcs:
    """Mixed into the service's servicer."""

    email: Email

    def GetEmailSettings(
        self, request: pb.GetEmailSettingsRequest, context: Any
    ) -> pb.GetEmailSettingsResponse:
        settings = self.email.settings(current_principal())
        return pb.GetEmailSettingsResponse(settings=settings_to_proto(settings))

    def UpdateEmailSettings(
        self, request: pb.UpdateEmailSettingsRequest, context: Any
    ) -> pb.UpdateEmailSettingsResponse:
        settings = self.email.change_settings(
            current_principal(),
            request.sender_address,
            request.sender_name,
            request.enabled,
            request.expected_version,
        )
        return pb.UpdateEmailSettingsResponse(settings=settings_to_proto(settings))

    def GetMyEmailAddress(
        self, request: pb.GetMyEmailAddressRequest, context: Any
    ) -> pb.GetMyEmailAddressResponse:
        address = self.email.my_address(current_principal())
        return pb.GetMyEmailAddressResponse(address=address_to_proto(address))

    def UpdateMyEmailAddress(
        self, request: pb.UpdateMyEmailAddressRequest, context: Any
    ) -> pb.UpdateMyEmailAddressResponse:
        address = self.email.change_my_address(
            current_principal(), request.address, request.enabled, request.expected_version
        )
        return pb.UpdateMyEmailAddressResponse(address=address_to_proto(address))

    def ListEmailMessages(
        self, request: pb.ListEmailMessagesRequest, context: Any
    ) -> pb.ListEmailMessagesResponse:
        page = self.email.messages(current_principal(), request.page.limit, request.page.cursor)
        return pb.ListEmailMessagesResponse(
            messages=[mail_to_proto(m) for m in page.items],
            page=common_pb2.PageResponse(next_cursor=page.next_cursor),
        )

    def GetMyMobile(self, request: pb.GetMyMobileRequest, context: Any) -> pb.GetMyMobileResponse:
        mobile = self.email.my_address(current_principal(), "mobile")
        return pb.GetMyMobileResponse(mobile=address_to_proto(mobile))

    def UpdateMyMobile(
        self, request: pb.UpdateMyMobileRequest, context: Any
    ) -> pb.UpdateMyMobileResponse:
        mobile = self.email.change_my_address(
            current_principal(),
            request.mobile,
            request.enabled,
            request.expected_version,
            channel="mobile",
        )
        return pb.UpdateMyMobileResponse(mobile=address_to_proto(mobile))
