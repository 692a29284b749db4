package io.flowbatch.delivery;

import java.io.IOException;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/**
 * Sorts a failed send into what it means for the message: the server's reply code decides
 * between "try again" and "give up"; a connection that never opened means the message did
 * not go out; a connection that broke in the middle of a message means nobody knows.
 */
final class SendFailures {

    private SendFailures() {
    }

    /**
     * The connection could not be opened or set up (refused, greeting, EHLO, TLS, login):
     * nothing was sent.
     */
    static SendResult notConnected(Exception failure) {
        return new SendResult(SendResult.Kind.TRANSIENT, "mail server unreachable: " + describe(failure), true);
    }

    /**
     * A failure while one message was being handed over on an open connection. A
     * connection that broke or timed out leaves the message in doubt only once its DATA
     * was under way: the transport had issued DATA, the server's last answer was 354, or
     * the end-of-data "." got no reply. Before that (MAIL FROM, RCPT TO, an idle
     * connection the server had closed) nothing was delivered, and the message can go
     * again.
     */
    static SendResult classify(Exception failure, String lastReply, boolean dataStarted) {
        SendResult result = classify(failure);
        if (result.kind() != SendResult.Kind.UNKNOWN) {
            return result;
        }
        SMTPSendFailedException noReply = find(failure, SMTPSendFailedException.class);
        boolean endOfDataUnanswered = noReply != null && ".".equals(noReply.getCommand());
        boolean inData = lastReply != null && lastReply.startsWith("354");
        if (dataStarted || endOfDataUnanswered || inData) {
            return result;
        }
        return SendResult.of(SendResult.Kind.TRANSIENT,
                "connection lost before the message was handed over: " + describe(failure));
    }

    static SendResult classify(Exception failure) {
        Integer code = replyCode(failure);
        String text = describe(failure);
        // Angus takes only 250 after the end of data; RFC 5321 makes any 2xx there an
        // acceptance
        // (251 and 252 are seen in the wild). Recording it FAILED would let a requeue
        // resend it.
        if (code != null && code >= 200 && code < 300 && endOfData(failure)) {
            return SendResult.sent(text);
        }
        // Angus reports a connection closed before the reply as code -1 ("[EOF]"): no
        // reply at all.
        if (code != null && code >= 200) {
            return SendResult.of((code >= 400 && code < 500) ? SendResult.Kind.TRANSIENT : SendResult.Kind.PERMANENT,
                    text);
        }
        SendFailedException sendFailed = find(failure, SendFailedException.class);
        boolean invalidAddress = sendFailed != null && sendFailed.getInvalidAddresses() != null
                && sendFailed.getInvalidAddresses().length > 0;
        if (invalidAddress || find(failure, AddressException.class) != null) {
            return SendResult.of(SendResult.Kind.PERMANENT, text);
        }
        return SendResult.of(SendResult.Kind.UNKNOWN, "connection lost while sending: " + text);
    }

    /**
     * The failure is the server's answer to the end-of-data ".", after it had the whole
     * message.
     */
    private static boolean endOfData(Throwable failure) {
        SMTPSendFailedException send = find(failure, SMTPSendFailedException.class);
        return send != null && ".".equals(send.getCommand());
    }

    private static Integer replyCode(Throwable failure) {
        SMTPAddressFailedException address = find(failure, SMTPAddressFailedException.class);
        if (address != null) {
            return address.getReturnCode();
        }
        SMTPSenderFailedException sender = find(failure, SMTPSenderFailedException.class);
        if (sender != null) {
            return sender.getReturnCode();
        }
        SMTPSendFailedException send = find(failure, SMTPSendFailedException.class);
        return (send != null) ? send.getReturnCode() : null;
    }

    private static String describe(Throwable failure) {
        Throwable specific = failure;
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause instanceof SMTPAddressFailedException || cause instanceof SMTPSendFailedException
                    || cause instanceof IOException) {
                specific = cause;
                break;
            }
        }
        String message = (specific.getMessage() != null) ? specific.getMessage().strip()
                : specific.getClass().getSimpleName();
        return (message.length() > 500) ? message.substring(0, 500) : message;
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < 20; cause = next(cause), depth++) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    /** Jakarta Mail chains causes through getNextException as well as getCause. */
    private static Throwable next(Throwable failure) {
        if (failure instanceof MessagingException messaging && messaging.getNextException() != null
                && messaging.getNextException() != failure) {
            return messaging.getNextException();
        }
        return (failure.getCause() != failure) ? failure.getCause() : null;
    }

}
