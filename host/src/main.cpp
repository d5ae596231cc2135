// orchestrator: the host process. Reads the configuration, loads the plugins
// and serves them until SIGTERM or SIGINT, then shuts down gracefully.
#include "orchestrator/host/Server.h"
#include "orchestrator/host/Worker.h"

#include <Poco/AsyncChannel.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <boost/dll/runtime_symbol_info.hpp>

#include <Poco/Process.h>

#include <cstdlib>
#include <iostream>
#include <thread>

extern char** environ;

namespace {

using orch::host::Config;
using orch::host::ConfigError;

Poco::AutoPtr<Poco::AsyncChannel> asyncLog;

/// Writes out what is still queued; Poco::Application logs after main returns,
/// so the loggers themselves must stay.
void flushLog() {
  if (asyncLog) asyncLog->close();
}

void setUpLogging(const Config& config) {
  Poco::AutoPtr<Poco::PatternFormatter> formatter(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t"));
  formatter->setProperty("times", "UTC");
  Poco::AutoPtr<Poco::Channel> console(new Poco::ConsoleChannel);
  Poco::AutoPtr<Poco::FormattingChannel> formatting(new Poco::FormattingChannel(formatter, console));
  // Writing happens on a background thread, so logging never blocks a request.
  Poco::AutoPtr<Poco::AsyncChannel> async(new Poco::AsyncChannel(formatting));
  asyncLog = async;
  auto level = config.getString("log.level", "information");
  try {
    Poco::Logger::root().setLevel(level);
  } catch (const Poco::Exception&) {
    throw ConfigError("invalid value for log.level: '" + level + "', expected error, warning, information or debug");
  }
  Poco::Logger::root().setChannel(async);
  Poco::Logger::setChannel("", async);
  Poco::Logger::setLevel("", Poco::Logger::root().getLevel());
}

/// <bin>/../share/orchestrator/docs: where the build and the install put the
/// pages of /docs and /redoc.
std::string defaultDocsDir() {
  auto bin = boost::dll::program_location().parent_path();
  return (bin.parent_path() / "share" / "orchestrator" / "docs").lexically_normal().string();
}

std::string defaultPluginsDir() {
  // The build tree and the installed tree both keep plugins at
  // <bin>/../lib/orchestrator/plugins.
  auto bin = boost::dll::program_location().parent_path();
  return (bin.parent_path() / ORCH_PLUGIN_SUBDIR).lexically_normal().string();
}

class Application : public Poco::Util::ServerApplication {
protected:
  void defineOptions(Poco::Util::OptionSet& options) override {
    ServerApplication::defineOptions(options);
    auto add = [&](const char* name, const char* description, const char* argument) {
      Poco::Util::Option option(name, "", description);
      option.required(false).repeatable(false);
      if (argument) option.argument(argument);
      options.addOption(option.callback(Poco::Util::OptionCallback<Application>(this, &Application::onOption)));
    };
    add("port", "TCP port to listen on (server.port, default 8080)", "PORT");
    add("data-dir", "where SQLite and other data live (server.data_dir, default ./var)", "DIR");
    add("config", "configuration file (.properties or .ini)", "FILE");
    add("plugins-dir", "folder of plugin libraries (plugins.dir)", "DIR");
    add("help", "show this help", nullptr);
    add("version", "print the version", nullptr);
  }

  void onOption(const std::string& name, const std::string& value) {
    if (name == "help" || name == "version") {
      exitEarly_ = name;
      stopOptionsProcessing();
    } else if (name == "config") {
      configFile_ = value;
    } else {
      static const std::map<std::string, std::string> keys = {
          {"port", "server.port"}, {"data-dir", "server.data_dir"}, {"plugins-dir", "plugins.dir"}};
      overrides_[keys.at(name)] = value;
    }
  }

  int main(const std::vector<std::string>& arguments) override {
    if (exitEarly_ == "help") {
      Poco::Util::HelpFormatter help(options());
      help.setCommand(commandName());
      help.setUsage("[worker] [--port PORT] [--data-dir DIR] [--config FILE] [--plugins-dir DIR]");
      help.setHeader("Orchestrator: AI workflows and agents, one host process and its plugins.");
      help.format(std::cout);
      return EXIT_OK;
    }
    if (exitEarly_ == "version") {
      std::cout << "orchestrator " << ORCH_VERSION << " (plugin ABI " << ORCH_ABI_MAJOR << "." << ORCH_ABI_MINOR << ")\n";
      return EXIT_OK;
    }
    std::vector<std::string> environment;
    for (char** entry = environ; *entry; ++entry) environment.emplace_back(*entry);
    if (configFile_.empty()) {
      if (const char* fromEnvironment = std::getenv("ORCH_CONFIG")) configFile_ = fromEnvironment;
    }

    if (!arguments.empty() && arguments[0] == "worker") return runWorker(environment);
    if (!arguments.empty()) {
      std::cerr << "orchestrator: unknown command '" << arguments[0] << "' (expected none, or worker)" << std::endl;
      return EXIT_USAGE;
    }
    std::unique_ptr<orch::host::Server> server;
    try {
      Config config(configFile_, environment, overrides_);
      setUpLogging(config);
      auto settings = orch::host::ServerSettings::fromConfig(config, defaultPluginsDir());
      if (!config.find("docs.dir")) config.setDefault("docs.dir", defaultDocsDir());
      server = std::make_unique<orch::host::Server>(config, std::move(settings));
      server->start();
      waitForTerminationRequest();
      Poco::Logger::get("server").information("shutting down");
      server->stop();
      flushLog();
      return EXIT_OK;
    } catch (const ConfigError& e) {
      std::cerr << "orchestrator: configuration error: " << e.what() << std::endl;
      return EXIT_CONFIG;
    } catch (const Poco::Exception& e) {
      std::cerr << "orchestrator: cannot start: " << e.displayText() << std::endl;
    } catch (const std::exception& e) {
      std::cerr << "orchestrator: cannot start: " << e.what() << std::endl;
    }
    if (server) server->stop();
    flushLog();
    return EXIT_SOFTWARE;
  }

private:
  /// `orchestrator worker`: runs one deployed agent's steps for the host that
  /// deployed it (worker.* settings, usually from the environment).
  int runWorker(const std::vector<std::string>& environment) {
    std::unique_ptr<orch::host::Worker> worker;
    try {
      overrides_["server.role"] = "worker";
      Config config(configFile_, environment, overrides_);
      setUpLogging(config);
      worker = std::make_unique<orch::host::Worker>(config, orch::host::ServerSettings::fromConfig(config, defaultPluginsDir()),
                                                    orch::host::WorkerSettings::fromConfig(config));
      worker->start();
      std::thread claiming([&] {
        worker->run();
        // Refused by the host: nothing more to do here, whatever restarts it.
        if (!worker->endedBecause().empty()) Poco::Process::requestTermination(Poco::Process::id());
      });
      waitForTerminationRequest();
      Poco::Logger::get("worker").information("shutting down");
      try {
        worker->stop();
      } catch (const std::exception& e) {
        Poco::Logger::get("worker").error("stopping: %s", std::string(e.what()));
      }
      flushLog();
      // The claim under way may wait seconds for its answer; nothing of a worker's needs it.
      std::_Exit(EXIT_OK);
    } catch (const ConfigError& e) {
      std::cerr << "orchestrator worker: configuration error: " << e.what() << std::endl;
      flushLog();
      return EXIT_CONFIG;
    } catch (const Poco::Exception& e) {
      std::cerr << "orchestrator worker: cannot start: " << e.displayText() << std::endl;
    } catch (const std::exception& e) {
      std::cerr << "orchestrator worker: cannot start: " << e.what() << std::endl;
    }
    flushLog();
    return EXIT_SOFTWARE;
  }

  std::string configFile_;
  std::string exitEarly_;
  std::map<std::string, std::string> overrides_;
};

} // namespace

POCO_SERVER_MAIN(Application)
