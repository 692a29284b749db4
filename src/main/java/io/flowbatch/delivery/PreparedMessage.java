package io.flowbatch.delivery;

import java.util.List;

/**
 * A message as it goes over the wire: its envelope and its content, already in DATA's
 * form (CRLF line ends, dot-stuffed, ending in a line break). Built before a connection
 * is taken ({@link MessageFactory}), so a message that cannot be written fails alone and
 * never leaves a DATA half sent, and the connection's time is spent on the network only.
 *
 * @param sender the envelope sender: the evaluation's return path, or the message's From
 * @param recipients the envelope recipients
 * @param content the data, without its end-of-data line
 */
public record PreparedMessage(String sender, List<String> recipients, byte[] content) {

    public PreparedMessage {
        envelopeAddress(sender);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("the message has no recipient");
        }
        recipients.forEach(PreparedMessage::envelopeAddress);
    }

    /**
     * An address SMTP's MAIL and RCPT commands can carry between their angle brackets.
     */
    private static void envelopeAddress(String address) {
        if (address == null || address.isBlank() || address.indexOf('\r') >= 0 || address.indexOf('\n') >= 0
                || address.indexOf('<') >= 0 || address.indexOf('>') >= 0) {
            throw new IllegalArgumentException("not a usable envelope address: " + address);
        }
    }

}
