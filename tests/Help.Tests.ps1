# The meta-test (as platyPS has one): every cmdlet the module exports has help with examples, [OutputType], an
# approved verb, and a help message on every parameter. It walks whatever is exported when it runs.
BeforeDiscovery {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:cmdlets = Get-Command -Module NeuralPS -CommandType Cmdlet | Sort-Object -Property Name |
        ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters +
        [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:verbs = (Get-Verb).Verb
}

Describe '<Name>' -ForEach $cmdlets {
    # Discovery: one test per parameter.
    $parameterNames = (Get-Command -Name $Name).Parameters.Values | ForEach-Object -MemberName Name |
        Where-Object { $_ -notin ([System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters) }

    BeforeAll {
        $script:command = Get-Command -Name $Name
        $script:help = Get-Help -Name $Name -Full
    }

    It 'has an approved verb' {
        $command.Verb | Should -BeIn $verbs
    }

    It 'declares [OutputType]' {
        $command.OutputType | Should -Not -BeNullOrEmpty
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name*"
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) { "$($example.code)".Trim() | Should -Not -BeNullOrEmpty }
    }

    It 'is called by name in a Pester test of its own' {
        $own = Get-ChildItem -Path $PSScriptRoot -Filter '*.Tests.ps1' | Where-Object -Property Name -NotLike 'Help*'
        $own | Select-String -Pattern "\b$Name\b" -SimpleMatch:$false | Should -Not -BeNullOrEmpty
    }

    It 'documents its outputs' {
        $help.returnValues.returnValue | Should -Not -BeNullOrEmpty
    }

    It 'has a help message and a description for -<_>' -ForEach $parameterNames {
        $parameter = $command.Parameters[$_]
        foreach ($set in $parameter.ParameterSets.Values) { $set.HelpMessage | Should -Not -BeNullOrEmpty }
        $described = @($help.parameters.parameter) | Where-Object -Property name -EQ -Value $_
        $described | Should -Not -BeNullOrEmpty
        ($described.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_NeuralPS' {
    It 'explains the workflow, the objects, reproducibility and performance' {
        $about = Get-Help -Name about_NeuralPS | Out-String
        $about | Should -Match 'WORKFLOW'
        $about | Should -Match 'EpochResult'
        $about | Should -Match '-Seed'
        $about | Should -Match '-ThreadCount'
        $about | Should -Match 'BatchSize'
    }
}
