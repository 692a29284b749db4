package io.flowbatch.flow;

/** A day of the week as send windows spell it. */
public enum SendDay {

    MON, TUE, WED, THU, FRI, SAT, SUN;

    /** ISO day number: 1 for Monday, 7 for Sunday. */
    public int iso() {
        return ordinal() + 1;
    }

    public static SendDay ofIso(int day) {
        return values()[day - 1];
    }

}
