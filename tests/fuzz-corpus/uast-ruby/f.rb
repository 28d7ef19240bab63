require "json"
# A greeter.
module M
  class G < Base
    def initialize(name) = @name = name
    def greet(times = 1)
      times.times { |i| puts "#{@name} #{i}" unless i > 3 }
      case times when 1 then :one else :many end
    rescue StandardError => e
      nil
    end
    def self.make; new("x"); end
  end
end
