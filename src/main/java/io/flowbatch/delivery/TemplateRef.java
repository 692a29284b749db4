package io.flowbatch.delivery;

/** One version of one template: the key compiled templates are cached under. */
public record TemplateRef(long id, int version) {

    String name(String part) {
        return "template:" + id + ":v" + version + ":" + part;
    }

}
