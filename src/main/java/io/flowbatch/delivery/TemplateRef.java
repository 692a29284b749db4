package io.flowbatch.delivery;

/** One version of one template: the key compiled templates are cached under. */
public record TemplateRef(long id, int version) {

    /**
     * The cache name of one part. The text's hash is part of it, so a database whose ids
     * start over (a restore, a test reset) can never be served another template's cached
     * parse.
     */
    String name(String part, String text) {
        return "template:" + id + ":v" + version + ":" + part + ":" + Integer.toHexString(text.hashCode());
    }

}
