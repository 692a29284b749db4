package io.flowbatch.admin;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The zero-setup run's outbox: what the local mail sink received, newest first, one
 * message's HTML in a sandboxed frame.
 */
@Controller
@RequestMapping("/admin")
class OutboxPageController {

    private final Outbox outbox;

    OutboxPageController(Outbox outbox) {
        this.outbox = outbox;
    }

    @GetMapping("/outbox")
    String outbox(@RequestParam(defaultValue = "0") int show, Model model) {
        model.addAttribute("available", outbox.available());
        model.addAttribute("messages", outbox.newest());
        model.addAttribute("total", outbox.total());
        model.addAttribute("show", show);
        model.addAttribute("html", outbox.html(show).orElse(null));
        return "admin/outbox";
    }

}
