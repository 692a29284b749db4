package io.flowbatch.delivery;

/** One email rendered for one customer, ready to be put on the wire. */
public record RenderedEmail(String subject, String html, String text) {
}
