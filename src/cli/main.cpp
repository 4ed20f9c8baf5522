// callrouter: answers sipgate.io call webhooks from an INI rule file, as CGI or FastCGI.
// main() only dispatches: the command line (cli/options.h), a command that answers on
// the terminal (cli/commands.h), or the one detection of the mode: FastCGI on a socket
// of its own (--listen) or on the listening socket on fd 0, else CGI.
#include <string>

#include "base/log.h"
#include "cgi/cgi.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "fastcgi/listener.h"
#include "fastcgi/privilege.h"
#include "fastcgi/server.h"
#include "notify/notifier.h"
#include "rules/xml.h"

int main(int argc, char** argv) {
    cr::CommandLine cl;
    if (const int status = cr::parse_command_line(argc, argv, &cl); status >= 0) return status;

    cr::xml_init();
    const std::string path = cr::find_config(cl.config);
    if (cl.check) return cr::run_check(path);
    if (cl.test) return cr::run_test(path, cl.test_body, cl.at, cl.has_signature ? &cl.signature : nullptr, cl.query);
    if (cl.calls) return cr::run_calls(path, cl.since, cl.at);
    if (cl.week) return cr::run_week(path, cl.week_date, cl.week_number, cl.from_hour, cl.to_hour, cl.html);
    if (cl.notify) return cr::run_notify(cr::NotifyOptions{path, cl.state, cl.once});
    if (cl.digest) return cr::run_digest(path, cl.since, cl.at, cl.mail);
    if (cl.metrics) return cr::run_metrics(path);
    if (cl.set_switch) return cr::run_switch(path, cl.switch_setting, cl.until);
    if (cl.switches) return cr::run_switches(path);

    if (cl.listen.empty() && !cr::is_listening_socket(0)) {
        std::string err;
        if (!cr::switch_user(cl.server.user, {}, &err)) {
            cr::log_line(cr::LogLevel::Error, "not answered: " + cr::log_value(err));
            return 1;
        }
        return cr::run_cgi(path);
    }
    cl.server.config_path = path;
    cl.server.listen = cl.listen;
    return cr::run_fastcgi(cl.server);
}
