global using Xunit; global using FluentAssertions;
