package io.flowbatch.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * A message as it goes over the wire: its envelope and its content, already in DATA's
 * form (CRLF line ends, dot-stuffed, ending in a line break). Built before a connection
 * is taken, so a message that cannot be written fails alone and never leaves a DATA half
 * sent, and the connection's time is spent on the network only.
 *
 * @param sender the envelope sender (the message's From)
 * @param recipients the envelope recipients
 * @param content the data, without its end-of-data line
 */
record PreparedMessage(String sender, List<String> recipients, byte[] content) {

    static PreparedMessage of(MimeMessage message, Clock clock) throws MessagingException, IOException {
        if (message.getSentDate() == null) {
            message.setSentDate(Date.from(clock.instant()));
        }
        // The message keeps its Message-ID: MessageFactory's messages do not renew it on
        // save.
        message.saveChanges();
        List<String> recipients = new ArrayList<>();
        Address[] all = message.getAllRecipients();
        if (all != null) {
            for (Address address : all) {
                recipients.add(bare(address));
            }
        }
        if (recipients.isEmpty()) {
            throw new MessagingException("the message has no recipient");
        }
        Address[] from = message.getFrom();
        if (from == null || from.length == 0) {
            throw new MessagingException("the message has no From address");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 * 1024);
        DotStuffingOutputStream data = new DotStuffingOutputStream(bytes);
        message.writeTo(data);
        data.endContent();
        return new PreparedMessage(bare(from[0]), List.copyOf(recipients), bytes.toByteArray());
    }

    private static String bare(Address address) throws MessagingException {
        if (!(address instanceof InternetAddress internet) || internet.getAddress() == null
                || internet.getAddress().isBlank()) {
            throw new MessagingException("not an Internet mail address: " + address);
        }
        String value = internet.getAddress();
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('<') >= 0
                || value.indexOf('>') >= 0) {
            throw new MessagingException("not a usable envelope address: " + value);
        }
        return value;
    }

}
