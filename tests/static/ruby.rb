require "json"
require_relative "lib/util"

# A bank account.
class Account
  def initialize(owner)
    @owner = owner
    @balance = 0
  end

  def deposit(k)
    @balance += k
  end

  def rich?
    @balance > 100
  end

  def owner_name
    @owner.upcase
  end
end

# Grades a score.
def grade(n)
  if n > 90 && n <= 100
    "A"
  elsif n > 50 || n == 0
    "B"
  else
    "C"
  end
end

def scan(xs)
  total = 0
  xs.each do |x|
    next if x.nil?
    case x
    when 1, 2 then total += 1
    when 3 then total += 3
    else total -= 1
    end
  end
  begin
    JSON.parse("{}")
  rescue JSON::ParserError => e
    total = -1
  end
  total
end
